import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

ecg = pd.read_csv("ecg_beats.csv")
X = ecg.drop(["subject_id", "arrhythmia"], axis=1)
y = ecg["arrhythmia"]
print(cross_val_score(RandomForestClassifier(random_state=0), X, y, cv=5).mean())  # leak: LEAK008
