"""sefa-desktop: closed-form factorization (SeFa) of GAN latent semantics, as a desktop tool."""

__version__ = "0.1.0"
APP_NAME = "sefa-desktop"
