"""What the gateway, the extractor and the status service all use: settings, models, the stage contract, the broker."""
