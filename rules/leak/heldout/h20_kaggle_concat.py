import pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import Ridge

train = pd.read_csv("train.csv")
test = pd.read_csv("test.csv")
full = pd.concat([train.drop(columns=["y"]), test])
scaler = StandardScaler().fit(full)  # leak: LEAK004
model = Ridge().fit(scaler.transform(train.drop(columns=["y"])), train["y"])
pred = model.predict(scaler.transform(test))
