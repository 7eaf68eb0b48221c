// Entry for widgets/dist/jlservices.js (IIFE, global `jlservices`): the parts of
// @jupyterlab/services the live page needs to talk to a Jupyter server.
export { KernelManager, ServerConnection } from "@jupyterlab/services";
