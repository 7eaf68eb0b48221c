import { displaySymbol, type Displayable, type MimeBundle } from "../display.js";
import { commManager, type Comm, type CommMessage } from "./comm.js";

/** Which front-end model and view class render a widget (the `_model_*` / `_view_*` keys). */
export interface WidgetSpec {
  readonly modelName: string;
  readonly modelModule: string;
  readonly modelModuleVersion: string;
  readonly viewName: string;
  readonly viewModule: string;
  readonly viewModuleVersion: string;
}

/** Widget protocol version spoken here (ipywidgets 8). */
export const PROTOCOL_VERSION = "2.1.0";
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";

type Json = Record<string, unknown>;
type Path = (string | number)[];

function isBinary(v: unknown): v is ArrayBuffer | ArrayBufferView {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/**
 * Takes binary values out of a state object, as ipywidgets' `_remove_buffers` does: they travel as
 * raw message frames, and `buffer_paths` says where each goes back.
 */
export function removeBuffers(state: Json): { state: Json; buffers: ArrayBufferView[]; bufferPaths: Path[] } {
  const buffers: ArrayBufferView[] = [];
  const bufferPaths: Path[] = [];
  const walk = (value: unknown, path: Path): unknown => {
    if (isBinary(value)) {
      buffers.push(value instanceof ArrayBuffer ? new Uint8Array(value) : value);
      bufferPaths.push(path);
      return undefined;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]) ?? null);
    if (value && typeof value === "object" && !(value instanceof Date)) {
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) {
        const w = walk(v, [...path, k]);
        if (w !== undefined) out[k] = w;
      }
      return out;
    }
    return value;
  };
  return { state: walk(state, []) as Json, buffers, bufferPaths };
}

/** Puts received buffers back into a state object at their paths (ipywidgets' `_put_buffers`). */
export function putBuffers(state: Json, bufferPaths: Path[], buffers: DataView[]): Json {
  bufferPaths.forEach((path, i) => {
    let node = state as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string | number, unknown>;
    node[path[path.length - 1]!] = buffers[i];
  });
  return state;
}

const live = new Map<string, Widget>();

/**
 * The kernel-side half of a Jupyter widget (protocol 2.1, ipywidgets 8). It opens a `jupyter.widget`
 * comm with its full state, keeps state in sync both ways (echoing front-end updates back, as the
 * protocol asks, so every view agrees), answers `request_state`, and carries `custom` messages.
 * Outside a kernel it simply holds its state, so library code and tests can use it anywhere.
 */
export class Widget<S extends Record<string, unknown> = Record<string, unknown>> implements Displayable {
  readonly id: string;
  protected state: S;
  private readonly comm: Comm;
  private readonly changeHandlers = new Set<(changed: Partial<S>) => void>();
  private readonly customHandlers = new Set<(content: unknown, buffers: DataView[]) => void>();

  constructor(readonly spec: WidgetSpec, initial: S) {
    this.state = { ...initial };
    const { state, buffers, bufferPaths } = removeBuffers(this.fullState());
    this.comm = commManager.open("jupyter.widget", { state, buffer_paths: bufferPaths }, { version: PROTOCOL_VERSION }, buffers);
    this.id = this.comm.id;
    live.set(this.id, this as unknown as Widget);
    this.comm.onMsg((msg) => this.receive(msg));
    this.comm.onClose(() => live.delete(this.id));
  }

  /** State including the `_model_*` / `_view_*` keys the front end needs. */
  fullState(): Json {
    const s = this.spec;
    return {
      _model_name: s.modelName, _model_module: s.modelModule, _model_module_version: s.modelModuleVersion,
      _view_name: s.viewName, _view_module: s.viewModule, _view_module_version: s.viewModuleVersion,
      ...this.state,
    };
  }

  get<K extends keyof S>(key: K): S[K] {
    return this.state[key];
  }

  /** Changes state here and in every front end (`update`; binary values go as buffers). */
  set(patch: Partial<S>): void {
    Object.assign(this.state, patch);
    this.sendState("update", patch as Json);
  }

  /** Fired after the front end changed state (and the change was echoed back). */
  on(_event: "change", fn: (changed: Partial<S>) => void): () => void {
    this.changeHandlers.add(fn);
    return () => this.changeHandlers.delete(fn);
  }

  onCustom(fn: (content: unknown, buffers: DataView[]) => void): () => void {
    this.customHandlers.add(fn);
    return () => this.customHandlers.delete(fn);
  }

  sendCustom(content: unknown, buffers: readonly ArrayBufferView[] = []): void {
    if (!this.comm.closed) this.comm.send({ method: "custom", content }, {}, buffers);
  }

  /** Shows the widget in the current cell's output. */
  display(): void {
    commManager.transport?.display(this[displaySymbol]());
  }

  /** The static HTML shown where no widget manager runs (GitHub, plain nbconvert); subclasses draw their chart. */
  protected fallbackHTML(): string {
    return `<pre>${this.spec.modelName} ${this.id}</pre>`;
  }

  close(): void {
    live.delete(this.id);
    this.comm.close();
  }

  [displaySymbol](): MimeBundle {
    return {
      [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 1, model_id: this.id },
      "text/plain": `${this.spec.modelName}(id=${this.id})`,
      "text/html": this.fallbackHTML(),
    };
  }

  private sendState(method: "update" | "echo_update", patch: Json): void {
    if (this.comm.closed) return;
    const { state, buffers, bufferPaths } = removeBuffers(patch);
    this.comm.send({ method, state, buffer_paths: bufferPaths }, {}, buffers);
  }

  private receive(msg: CommMessage): void {
    const data = msg.content.data as { method?: string; state?: Json; buffer_paths?: Path[]; content?: unknown };
    switch (data.method) {
      case "update": {
        const changed = putBuffers({ ...(data.state ?? {}) }, data.buffer_paths ?? [], msg.buffers) as Partial<S>;
        Object.assign(this.state, changed);
        this.sendState("echo_update", changed as Json);
        for (const fn of this.changeHandlers) fn(changed);
        break;
      }
      case "request_state":
        this.sendState("update", this.fullState());
        break;
      case "custom":
        for (const fn of this.customHandlers) fn(data.content, msg.buffers);
        break;
      default:
        // Unknown methods are ignored: a misbehaving front end must never break the kernel.
        break;
    }
  }
}

/** A widget's current full state (with `_model_*` keys), e.g. for tests outside a kernel. */
export function widgetState(w: Widget): Json {
  return w.fullState();
}

// `jupyter.widget.control`: a front end that (re)connects asks for every widget's state at once.
commManager.registerTarget("jupyter.widget.control", (comm) => {
  comm.onMsg((msg) => {
    if ((msg.content.data as { method?: string }).method !== "request_states") return;
    // The same shape ipywidgets 8 sends: {id: {model_name, model_module, model_module_version, state}},
    // with buffers removed over the whole document so paths start with the widget id.
    const states: Json = {};
    for (const [id, w] of live) {
      states[id] = { model_name: w.spec.modelName, model_module: w.spec.modelModule, model_module_version: w.spec.modelModuleVersion, state: w.fullState() };
    }
    const { state, buffers, bufferPaths } = removeBuffers(states);
    comm.send({ method: "update_states", states: state, buffer_paths: bufferPaths }, {}, buffers);
  });
});
