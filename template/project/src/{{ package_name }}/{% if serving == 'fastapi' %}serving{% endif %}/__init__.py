"""HTTP serving of the trained model."""
