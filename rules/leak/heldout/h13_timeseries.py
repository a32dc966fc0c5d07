import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import train_test_split

energy = pd.read_csv("energy.csv")
energy["Datetime"] = pd.to_datetime(energy["Datetime"])
energy = energy.set_index("Datetime")
energy["hour"] = energy.index.hour
energy["lag_24"] = energy["load"].shift(24)
energy = energy.dropna()
X = energy[["hour", "lag_24"]]
y = energy["load"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)  # leak: LEAK006
print(GradientBoostingRegressor().fit(X_train, y_train).score(X_test, y_test))
