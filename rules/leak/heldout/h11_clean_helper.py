import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR


def scale_pair(train, test):
    scaler = StandardScaler().fit(train)
    return scaler.transform(train), scaler.transform(test)


X = np.load("X.npy")
y = np.load("y.npy")
X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
X_tr, X_te = scale_pair(X_tr, X_te)
print(SVR().fit(X_tr, y_tr).score(X_te, y_te))
