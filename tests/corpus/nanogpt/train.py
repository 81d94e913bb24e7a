"""Training script (placeholder modelled on nanoGPT's train.py: optional W&B logging)."""

wandb_log = False  # disabled by default
wandb_project = "owt"

if wandb_log:
    import wandb

    wandb.init(project=wandb_project)
