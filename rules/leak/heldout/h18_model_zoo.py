from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
models = [LogisticRegression(max_iter=200), SVC(), DecisionTreeClassifier(), RandomForestClassifier()]
results = {}
for m in models:
    m.fit(X_train, y_train)
    results[type(m).__name__] = accuracy_score(y_test, m.predict(X_test))  # leak: LEAK007
print(max(results, key=results.get))
