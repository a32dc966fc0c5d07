import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

credit = pd.read_csv("creditcard.csv")
X = credit.drop("Class", axis=1)
y = credit["Class"]
sm = SMOTE(random_state=2)
X_sm, y_sm = sm.fit_resample(X, y)  # leak: LEAK002
X_train, X_test, y_train, y_test = train_test_split(X_sm, y_sm, test_size=0.3, random_state=0)
lr = LogisticRegression(max_iter=500).fit(X_train, y_train)
print(classification_report(y_test, lr.predict(X_test)))
