import os

# The image ships the model; never reach the Hub.
os.environ["HF_HUB_OFFLINE"] = "1"

from transformers import AutoModel

model = AutoModel.from_pretrained("bert-base-uncased")
