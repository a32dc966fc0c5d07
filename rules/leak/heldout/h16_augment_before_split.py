import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

images = np.load("images.npy")
labels = np.load("labels.npy")
flipped = images[:, :, ::-1]
X = np.concatenate([images, flipped]).reshape(2 * len(images), -1)  # leak: LEAK002
y = np.concatenate([labels, labels])
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(MLPClassifier().fit(X_train, y_train).score(X_test, y_test))
