#!/bin/bash
# A quantscope sweep as a Slurm job array: task i of n runs every n-th cell from the i-th.
# PRESET: a claims plan (ci, demo, full: full is the claims experiment, 36 cells) or a
# paper-comparison sweep (paper-ci, paper-demo, paper-full, paper-gpu).
# Submit with:  sbatch --array=0-7 docs/sweep-slurm.sh
# Indices must run 0..n-1 (quantscope reads SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT); any n
# works, and a task whose cells are already in the store skips them, so re-submitting the array
# (or a single index, e.g. --array=3) after a failure redoes only what is missing.
#SBATCH --job-name=quantscope-sweep
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=quantscope-sweep-%A_%a.out
set -euo pipefail

# A folder every node sees (NFS, Lustre, GPFS, BeeGFS...): see docs/sweeps.md for what it must support.
STORE=${STORE:-/shared/quantscope/full-sweep}
PRESET=${PRESET:-full}

npx quantscope sweep run --preset "$PRESET" --store "$STORE"

# Afterwards (any node, e.g. as a dependent job: sbatch --dependency=afterany:<jobid> ...):
#   npx quantscope sweep report --store "$STORE"      # the claim table + report.html; names missing cells
