"""The exercise format: reading chapter scripts and notebooks, building them."""
