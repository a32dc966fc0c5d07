from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = load_wine(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
candidates = {"lr": make_pipeline(StandardScaler(), LogisticRegression()), "rf": RandomForestClassifier(random_state=0)}
cv_scores = {name: cross_val_score(m, X_train, y_train, cv=5).mean() for name, m in candidates.items()}
best = candidates[max(cv_scores, key=cv_scores.get)]
best.fit(X_train, y_train)
print(best.score(X_test, y_test))
