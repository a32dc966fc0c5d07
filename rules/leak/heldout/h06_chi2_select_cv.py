from sklearn.datasets import fetch_20newsgroups
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.model_selection import cross_val_score
from sklearn.naive_bayes import MultinomialNB

news = fetch_20newsgroups(subset="all")
counts = CountVectorizer().fit_transform(news.data)
best = SelectKBest(chi2, k=2000).fit_transform(counts, news.target)
print(cross_val_score(MultinomialNB(), best, news.target, cv=5))  # leak: LEAK005
