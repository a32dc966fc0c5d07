import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("cars.csv")
df[["hp", "weight"]] = StandardScaler().fit_transform(df[["hp", "weight"]])  # leak: LEAK001
train = df.sample(frac=0.8, random_state=0)
test = df.drop(train.index)
lr = LinearRegression().fit(train[["hp", "weight"]], train["mpg"])
print(lr.score(test[["hp", "weight"]], test["mpg"]))
