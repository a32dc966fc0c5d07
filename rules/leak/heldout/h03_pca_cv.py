from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

digits = load_digits()
pca = PCA(n_components=30)
X_pca = pca.fit_transform(digits.data)
print(cross_val_score(SVC(), X_pca, digits.target, cv=10).mean())  # leak: LEAK005
