// plotly's dist bundles ship no types; the renderers use a small untyped surface (react, purge, Plots.resize).
declare module "plotly.js-cartesian-dist-min";
