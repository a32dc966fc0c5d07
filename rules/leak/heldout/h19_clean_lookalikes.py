import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

vocab = CountVectorizer().fit(["alpha beta", "beta gamma"])
print(vocab.vocabulary_)
df = pd.read_csv("data.csv")
print(df.describe(), df.mean())
explained = PCA().fit(df.drop(columns=["y"])).explained_variance_ratio_
X_train, X_test, y_train, y_test = train_test_split(df.drop(columns=["y"]), df["y"], random_state=0)
X_train = np.log1p(X_train)
X_test = np.log1p(X_test)
model = LogisticRegression().fit(X_train, y_train)
print(model.score(X_test, y_test))
