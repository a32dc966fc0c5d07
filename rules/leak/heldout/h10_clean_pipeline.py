import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

df = pd.read_csv("adult.csv")
X, y = df.drop(columns=["income"]), df["income"]
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
num = Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())])
pre = ColumnTransformer([("num", num, ["age", "hours"]), ("cat", OneHotEncoder(handle_unknown="ignore"), ["job"])])
search = GridSearchCV(Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))]), {"clf__C": [0.1, 1, 10]}, cv=5)
search.fit(X_train, y_train)
print(search.best_params_, search.score(X_test, y_test))
