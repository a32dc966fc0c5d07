import pandas as pd
import xgboost as xgb
from sklearn.model_selection import train_test_split

df = pd.read_csv("houses.csv")
X_train, X_test, y_train, y_test = train_test_split(df.drop(columns=["price"]), df["price"], random_state=0)
model = xgb.XGBRegressor(n_estimators=2000, early_stopping_rounds=50)
model.fit(X_train, y_train, eval_set=[(X_test, y_test)], verbose=False)  # leak: LEAK004
print(model.score(X_test, y_test))
