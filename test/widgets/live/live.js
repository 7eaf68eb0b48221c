/*
 * Live widgets in a plain web page: @jupyterlab/services talks to a Jupyter server, an
 * HTMLManager subclass (ipywidgets' examples/web3 pattern) opens and syncs widget comms, and
 * requirejs loads the `quantscope-widgets` AMD module. No JupyterLab needed.
 *
 * Query: ?server=http://127.0.0.1:8888&kernel=quantscope[&token=...]
 * Exposes window.qs = { kernel, manager, run(code), ready } for scripting and tests.
 */
/* global requirejs, jlservices */
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const server = params.get("server") || location.origin;
  const kernelName = params.get("kernel") || "quantscope";
  const token = params.get("token") || "";
  const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";

  const qs = (window.qs = { log: [] });
  const log = (s) => {
    qs.log.push(s);
    const el = document.getElementById("log");
    if (el) el.textContent += s + "\n";
  };

  // NB: requirejs ignores an `async` callback (its isFunction() checks for "[object Function]"),
  // so the callback is a plain function that calls an async one.
  qs.ready = new Promise((resolve, reject) => {
    requirejs(["@jupyter-widgets/html-manager", "@jupyter-widgets/base"], (hm, base) => void start(hm, base), reject);
    async function start(hm, base) {
      try {
        class WidgetManager extends hm.HTMLManager {
          constructor(kernel) {
            super({ loader: (name) => new Promise((res, rej) => requirejs([name], res, rej)) });
            this.kernel = kernel;
            kernel.registerCommTarget(this.comm_target_name, (comm, msg) =>
              this.handle_comm_open(new base.shims.services.Comm(comm), msg),
            );
          }
          async _create_comm(target, modelId, data, metadata, buffers) {
            const comm = this.kernel.createComm(target, modelId);
            if (data || metadata) comm.open(data, metadata, buffers);
            return new base.shims.services.Comm(comm);
          }
          async _get_comm_info() {
            const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
            return reply.content.status === "ok" ? reply.content.comms : {};
          }
        }
        const serverSettings = jlservices.ServerConnection.makeSettings({
          baseUrl: server.replace(/\/?$/, "/"),
          wsUrl: server.replace(/^http/, "ws").replace(/\/?$/, "/"),
          token,
          appendToken: true,
        });
        const km = new jlservices.KernelManager({ serverSettings });
        await km.ready;
        const kernel = await km.startNew({ name: kernelName });
        log(`kernel ${kernelName} ${kernel.id} started`);
        const manager = new WidgetManager(kernel);
        Object.assign(qs, { kernel, manager, kernelManager: km });
        resolve(qs);
      } catch (e) {
        log(`error: ${e && e.message ? e.message : e}`);
        reject(e);
      }
    }
  });

  /** Execute code; widget views are displayed in a new output area. Resolves with the text outputs. */
  qs.run = async function run(code, { wait = true } = {}) {
    await qs.ready;
    const cell = document.createElement("div");
    cell.className = "qs-cell";
    const pre = document.createElement("pre");
    pre.className = "qs-code";
    pre.textContent = code;
    const out = document.createElement("div");
    out.className = "qs-output";
    cell.append(pre, out);
    document.getElementById("cells").append(cell);
    const texts = [];
    const views = [];
    const future = qs.kernel.requestExecute({ code, stop_on_error: true });
    future.onIOPub = (msg) => {
      const t = msg.header.msg_type;
      const c = msg.content;
      if (t === "stream") {
        texts.push(c.text);
        const s = document.createElement("pre");
        s.className = "qs-stream";
        s.textContent = c.text;
        out.append(s);
      } else if (t === "error") {
        texts.push(`${c.ename}: ${c.evalue}`);
        const s = document.createElement("pre");
        s.className = "qs-error";
        s.textContent = `${c.ename}: ${c.evalue}`;
        out.append(s);
      } else if (t === "display_data" || t === "execute_result") {
        const w = c.data[WIDGET_MIME];
        if (w && w.model_id) {
          const host = document.createElement("div");
          host.className = "widget-subarea";
          host.dataset.modelId = w.model_id;
          out.append(host);
          views.push(
            qs.manager
              .get_model(w.model_id)
              .then((model) => qs.manager.display_view(qs.manager.create_view(model), host))
              .catch((e) => log(`display failed: ${e}`)),
          );
        } else if (c.data["text/plain"] !== undefined) {
          texts.push(String(c.data["text/plain"]));
          const s = document.createElement("pre");
          s.className = "qs-result";
          s.textContent = c.data["text/plain"];
          out.append(s);
        }
      }
    };
    const done = future.done.then(async (reply) => {
      await Promise.all(views);
      return { status: reply.content.status, text: texts.join("") };
    });
    return wait ? done : { done: done.then(() => undefined) };
  };
})();
