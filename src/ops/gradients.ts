/**
 * tfjs-core ships its gradient functions apart from its ops, and only as extensionless ESM files
 * that Node cannot load; the `@tensorflow/tfjs` bundle registers them all into the shared engine.
 * Import this module for its side effect wherever gradients are taken.
 */
import "@tensorflow/tfjs";
