import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split

rides = pd.read_csv("rides.csv")
rides["zone_mean_fare"] = rides.groupby("zone")["fare"].transform("mean")  # leak: LEAK001
X = rides[["distance", "zone_mean_fare"]]
X_train, X_test, y_train, y_test = train_test_split(X, rides["fare"], random_state=0)
print(Ridge().fit(X_train, y_train).score(X_test, y_test))
