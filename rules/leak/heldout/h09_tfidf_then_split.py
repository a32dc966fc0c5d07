import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

tweets = pd.read_csv("tweets.csv")
tfidf = TfidfVectorizer(ngram_range=(1, 2))
tfidf.fit(tweets["text"])  # leak: LEAK001
train, test = train_test_split(tweets, test_size=0.2, random_state=0)
clf = LogisticRegression().fit(tfidf.transform(train["text"]), train["label"])
print(clf.score(tfidf.transform(test["text"]), test["label"]))
