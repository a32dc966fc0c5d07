import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("wine.csv")
X_train, X_test, y_train, y_test = train_test_split(df.drop("quality", axis=1), df["quality"], random_state=3)
sc = StandardScaler()
X_train = sc.fit_transform(X_train)
X_test = sc.fit_transform(X_test)  # leak: LEAK004
knn = KNeighborsClassifier(5).fit(X_train, y_train)
print(knn.score(X_test, y_test))
