from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
best, best_auc = None, 0
for depth in range(1, 8):
    for lr in [0.01, 0.1, 0.3]:
        gb = GradientBoostingClassifier(max_depth=depth, learning_rate=lr).fit(X_train, y_train)
        auc = roc_auc_score(y_test, gb.predict_proba(X_test)[:, 1])  # leak: LEAK007
        if auc > best_auc:
            best, best_auc = (depth, lr), auc
print(best, best_auc)
