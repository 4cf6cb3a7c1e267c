"""Exports for training: ``sft`` (fine-tuning texts) and ``classify`` (labels, soft labels)."""
