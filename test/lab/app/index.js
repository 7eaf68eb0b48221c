// The app's main (JupyterLab dev_mode's index.js, with the extension list written out instead of
// templated): bundled core extensions plus the prebuilt ones bootstrap.js loaded, then JupyterLab.
// Copyright (c) Jupyter Development Team. Distributed under the terms of the Modified BSD License.
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import './build/style.js';

async function createModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  const instance = factory();
  instance.__scope__ = scope;
  return instance;
}

function pluginsOf(extension) {
  const exports = Object.prototype.hasOwnProperty.call(extension, '__esModule') ? extension.default : extension;
  return Array.isArray(exports) ? exports : [exports];
}

export async function main() {
  const federated = JSON.parse(PageConfig.getOption('federated_extensions'));
  const core = await Promise.all([
    import('@jupyterlab/application-extension'),
    import('@jupyterlab/apputils-extension'),
    import('@jupyterlab/codemirror-extension'),
    import('@jupyterlab/completer-extension'),
    import('@jupyterlab/docmanager-extension'),
    import('@jupyterlab/documentsearch-extension'),
    import('@jupyterlab/filebrowser-extension'),
    import('@jupyterlab/mainmenu-extension'),
    import('@jupyterlab/markedparser-extension'),
    import('@jupyterlab/metadataform-extension'),
    import('@jupyterlab/notebook-extension'),
    import('@jupyterlab/rendermime-extension'),
    import('@jupyterlab/shortcuts-extension'),
    import('@jupyterlab/statusbar-extension'),
    import('@jupyterlab/theme-light-extension'),
    import('@jupyterlab/toc-extension'),
    import('@jupyterlab/tooltip-extension'),
    import('@jupyterlab/translation-extension'),
    import('@jupyterlab/ui-components-extension'),
    import('@jupyter-widgets/jupyterlab-manager')
  ]);
  // Plugins that need extensions this app leaves out (language servers, consoles, the file editor),
  // dropped as JupyterLab's examples/app drops the language-server ones.
  const needsAbsent = /:language-server$|^@jupyterlab\/tooltip-extension:(consoles|files)$/;
  const register = core.flatMap(pluginsOf).filter(p => !needsAbsent.test(p.id));
  const loaded = await Promise.allSettled(
    federated.filter(d => d.extension).map(d => createModule(d.name, d.extension))
  );
  const styles = await Promise.allSettled(
    federated.filter(d => d.style).map(d => createModule(d.name, d.style))
  );
  for (const p of [...loaded, ...styles]) if (p.status === 'rejected') console.error(p.reason);
  const prebuilt = loaded.filter(p => p.status === 'fulfilled').flatMap(p => pluginsOf(p.value));
  // Which prebuilt plugins were registered: the test reads this (and JupyterLab's own plugin list).
  window.qsLab = { prebuiltPlugins: prebuilt.map(p => p.id) };
  const lab = new JupyterLab({ mimeExtensions: [] });
  lab.registerPluginModules([...register, ...prebuilt]);
  await lab.start();
  await lab.restored;
  window.qsLab.app = lab;
  document.body.dataset.qsLabRestored = 'true';
}
