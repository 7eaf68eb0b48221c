// JupyterLab dev_mode's bootstrap.js (4.5): load every prebuilt extension the server lists in the
// page config (`federated_extensions`) into the shared module scope, then start the app.
// Copyright (c) Jupyter Development Team. Distributed under the terms of the Modified BSD License.
let _CONFIG_DATA = null;
function getOption(name) {
  if (_CONFIG_DATA === null) {
    const el = document.getElementById('jupyter-config-data');
    _CONFIG_DATA = el ? JSON.parse(el.textContent || '{}') : {};
  }
  return _CONFIG_DATA[name] || '';
}

// eslint-disable-next-line no-undef
__webpack_public_path__ = getOption('fullStaticUrl') + '/';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const newScript = document.createElement('script');
    newScript.onerror = reject;
    newScript.onload = resolve;
    newScript.async = true;
    document.head.appendChild(newScript);
    newScript.src = url;
  });
}

async function loadComponent(url, scope) {
  await loadScript(url);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[scope];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

void (async function bootstrap() {
  const extensionData = getOption('federated_extensions');
  const labExtensionUrl = getOption('fullLabextensionsUrl');
  const extensions = await Promise.allSettled(
    extensionData.map(data => loadComponent(`${labExtensionUrl}/${data.name}/${data.load}`, data.name))
  );
  extensions.forEach(p => {
    if (p.status === 'rejected') console.error(p.reason);
  });
  const { main } = await import('./index.js');
  if (document.readyState === 'complete') void main();
  else window.addEventListener('load', main);
})();
