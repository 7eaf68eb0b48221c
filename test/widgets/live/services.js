// Entry for the live page's jlservices.js (IIFE, global `jlservices`, bundled by live.test.ts): the parts of
// @jupyterlab/services the live page needs to talk to a Jupyter server.
export { KernelManager, ServerConnection } from "@jupyterlab/services";
