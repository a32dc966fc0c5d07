import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

data = np.loadtxt("spam.csv", delimiter=",")
X, y = data[:, :-1], data[:, -1]
X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))  # leak: LEAK001
X = X / 255.0
Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
clf = LogisticRegression().fit(Xtr, ytr)
print(clf.score(Xte, yte))
