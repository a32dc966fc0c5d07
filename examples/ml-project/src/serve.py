"""The serving side, written the safe way: nothing here is flagged."""
import numpy as np
import onnxruntime as ort
import torch
import yaml


def load_settings(path):
    with open(path) as f:
        return yaml.safe_load(f)


def load_model(path):
    return ort.InferenceSession(path)


def load_checkpoint(path, model):
    model.load_state_dict(torch.load(path, weights_only=True))
    return model


def predict(session, batch: np.ndarray):
    return session.run(None, {"input": batch.astype(np.float32)})[0]
