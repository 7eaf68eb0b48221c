// Builds the test JupyterLab app the way JupyterLab's dev_mode/webpack.config.js builds JupyterLab:
// a ModuleFederationPlugin host named CORE_FEDERATION on `_JUPYTERLAB`, sharing JupyterLab 4.5's
// core packages (the resolutions and singletonPackages of its core package.json, the same file
// the extension is built against) so prebuilt extensions bind to this app's copies. Usage:
//   QS_LAB_APP_OUT=<dir> webpack --config test/lab/app/webpack.config.cjs   (the test calls webpack's API)
const path = require('path');
const webpack = require('webpack');
const { merge } = require('webpack-merge');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');
const { Build } = require('@jupyterlab/builder');

const app = require('./package.json');
const core = require('../../../widgets/lab/core/package.json');
const out = path.resolve(process.env.QS_LAB_APP_OUT || path.join(__dirname, 'build'));
const extensions = app.jupyterlab.extensions;

// Schemas, themes and style.js for the bundled extensions (index.js imports ./build/style.js).
const assets = Build.ensureAssets({ packageNames: extensions, output: out });

function installedVersion(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return null; // a core package this app does not bundle (e.g. the debugger): nothing to share
  }
}

// The registry lacks some 4.5 patch releases (e.g. @jupyterlab/tooltip 4.5.10), so a core range
// the installed copy does not satisfy is narrowed to that copy's own patch range.
const semver = require('semver');
const shared = {};
for (const [pkg, range] of Object.entries(core.resolutions)) {
  const v = installedVersion(pkg);
  if (v) shared[pkg] = { requiredVersion: semver.satisfies(v, range, { includePrerelease: true }) ? range : `~${v}` };
}
for (const pkg of [...extensions, ...app.jupyterlab.extraSingletonPackages]) {
  const v = installedVersion(pkg);
  if (v && !shared[pkg]) shared[pkg] = { requiredVersion: `^${v}` };
}
for (const pkg of [...core.jupyterlab.singletonPackages, ...app.jupyterlab.extraSingletonPackages]) {
  if (shared[pkg]) shared[pkg].singleton = true;
}

module.exports = [
  merge(baseConfig, {
    mode: 'development',
    devtool: false,
    context: __dirname,
    entry: { main: path.join(__dirname, 'bootstrap.js') },
    output: { path: out, filename: 'bundle.js', chunkFilename: '[name].[contenthash].js' },
    // The build folder may be outside the repository (a cache): after the usual node_modules
    // lookup (nested copies first), fall back to ours.
    resolve: {
      alias: { './build/style.js': path.join(out, 'style.js') },
      modules: ['node_modules', path.resolve(__dirname, '../../../node_modules')]
    },
    plugins: [
      new webpack.container.ModuleFederationPlugin({
        library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
        name: 'CORE_FEDERATION',
        shared
      })
    ]
  })
].concat(assets);
