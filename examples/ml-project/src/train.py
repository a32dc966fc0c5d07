"""Trains a small classifier the way many research scripts do: every habit ML Hygiene flags."""
import pickle

import joblib
import numpy as np
import torch
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn
from transformers import AutoModel


class Classifier(nn.Module):
    def __init__(self, features: int, classes: int):
        super().__init__()
        self.layer = nn.Linear(features, classes)

    def forward(self, x):
        return self.layer(x)


def load_settings(path):
    with open(path) as f:
        return yaml.load(f)


def fit_baseline(X, y):
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    baseline = LogisticRegression().fit(X_train, y_train)
    print("baseline accuracy", baseline.score(X_test, y_test))
    return baseline


def train(model, loader):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(50):
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()


def main():
    settings = load_settings("settings.yaml")
    model = Classifier(settings["features"], settings["classes"])
    backbone = AutoModel.from_pretrained("bert-base-uncased", trust_remote_code=True)
    features = np.load("features.npy", allow_pickle=True)

    with open("label_encoder.pkl", "rb") as f:
        encoder = pickle.load(f)

    torch.save(model, "classifier.pt")
    restored = torch.load("classifier.pt")
    joblib.dump(encoder, "encoder.joblib")
    return restored, backbone, features


if __name__ == "__main__":
    main()
