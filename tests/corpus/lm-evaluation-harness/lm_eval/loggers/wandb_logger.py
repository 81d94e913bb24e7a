import logging

logger = logging.getLogger(__name__)


def init() -> None:
    import wandb

    wandb.init()
