"""Trains on squad; AutoModel.from_pretrained("docstring/ignored") is not a call."""
import torch
from datasets import load_dataset
from transformers import AutoModel

# AutoModel.from_pretrained("comment/ignored")
model = AutoModel.from_pretrained("bert-base-uncased")
resume = AutoModel.from_pretrained("./outputs/checkpoint")
squad = load_dataset("squad")
midas = torch.hub.load("intel-isl/MiDaS", "MiDaS_small")
