import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler

df = pd.read_csv("train.csv")
df["Age"] = df["Age"].fillna(df["Age"].median())  # leak: LEAK001
df["Fare"] = df["Fare"].fillna(df["Fare"].mean())  # leak: LEAK001
df["Sex"] = LabelEncoder().fit_transform(df["Sex"])
features = ["Pclass", "Sex", "Age", "Fare"]
X = df[features]
y = df["Survived"]
X = StandardScaler().fit_transform(X)  # leak: LEAK001
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)
rf = RandomForestClassifier(random_state=1).fit(X_train, y_train)
print(accuracy_score(y_test, rf.predict(X_test)))
