import { paramKind } from "../model/params.js";
import type { Recipe } from "./recipe.js";

/**
 * Whether weight decay applies to a parameter: the one place this is decided.
 *
 * | kind (see {@link paramKind}) | examples | decayed |
 * |---|---|---|
 * | matrix | `h.0.attn.qkv.w`, `h.0.mlp.out.w`, `head.w` | always |
 * | bias | `h.0.attn.qkv.b`, `h.0.mlp.in.b` | never |
 * | norm | `h.0.ln1.g`, `h.0.ln1.b`, `lnf.g` | only with `recipe.decayNorms` |
 * | embedding | `wte`, `wpe` | only with `recipe.decayEmbeddings` |
 *
 * nanoGPT decides by rank instead (every tensor of two or more dimensions, embeddings included);
 * minGPT and this default exclude embeddings. Why that is our default, and why it matters in a
 * weight-decay study, is documented on {@link Recipe.decayEmbeddings}.
 */
export function decaysParameter(name: string, recipe: Pick<Recipe, "decayNorms" | "decayEmbeddings">): boolean {
  switch (paramKind(name)) {
    case "matrix":
      return true;
    case "bias":
      return false;
    case "norm":
      return recipe.decayNorms;
    case "embedding":
      return recipe.decayEmbeddings;
  }
}
