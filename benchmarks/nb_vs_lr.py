"""Naive Bayes against logistic regression on MNIST: test accuracy and unseen-class ROC AUCs.

Both models are trained on the 4,000 training images of the embedded subset and tested on
its 1,000 test images and, when the real MNIST test set (10,000 images, t10k-*.gz) is in
../shared/mnist next to the checkout, on that too (the row is skipped otherwise).

Run by hand: python benchmarks/nb_vs_lr.py
"""

import time

import numpy as np
from common import SHARED_MNIST, save_results

import gmtutor as gm
from gmtutor import classifiers, novelty
from gmtutor.core.data import read_idx_file


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


data = gm.load_mnist("embedded")
x_train, y_train = classifiers.pixels(data.x_train), data.y_train.numpy()
test_sets = {"embedded test": (classifiers.pixels(data.x_test), data.y_test.numpy())}
if (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
    images = read_idx_file(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", "images", 10_000).copy()  # writable for torch
    labels = read_idx_file(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz", "labels", 10_000)
    test_sets["MNIST t10k"] = (classifiers.pixels(images), labels.astype(np.int64))
else:
    print(f"(no real MNIST test set in {SHARED_MNIST}: that row is skipped)")

nb, nb_seconds = timed(lambda: gm.GaussianNB().fit(x_train, y_train))
lr, lr_seconds = timed(lambda: classifiers.fit_logistic_regression(x_train, y_train, max_iter=300))
print(f"{data.describe()}; fit: Naive Bayes {nb_seconds:.2f} s, logistic regression {lr_seconds:.2f} s")
print(f"(logistic regression: L-BFGS stopped after {int(lr.n_iter_[0])} of at most 300 iterations)\n")

print("Test accuracy, models trained on the 4,000 embedded training images")
print(f"{'test set':<16}{'images':>8}{'Naive Bayes':>14}{'logistic regr.':>16}")
results = {"fit seconds": {"Naive Bayes": nb_seconds, "logistic regression": lr_seconds}, "test sets": {}}
for name, (x_test, y_test) in test_sets.items():
    nb_acc, lr_acc = classifiers.accuracy(nb, x_test, y_test), classifiers.accuracy(lr, x_test, y_test)
    print(f"{name:<16}{len(y_test):>8,}{nb_acc:>14.3f}{lr_acc:>16.3f}")
    results["test sets"][name] = {
        "images": len(y_test),
        "accuracy": {"Naive Bayes": nb_acc, "logistic regression": lr_acc},
    }

print("\nUnseen class, ROC AUC of seen vs unseen test images (NB: -log p(x), LR: -max p(y|x))")
print(f"{'test set':<16}{'experiment':<34}{'Naive Bayes':>12}{'logistic regr.':>16}")
for name, (x_test, y_test) in test_sets.items():
    one = novelty.unseen_digit(x_train, y_train, x_test, y_test, seen=(1, 7), unseen=4, max_iter=300)
    print(f"{name:<16}{'seen 1, 7; unseen 4':<34}{one.nb_auc:>12.3f}{one.lr_auc:>16.3f}")
    table, seconds = timed(lambda x=x_test, y=y_test: novelty.unseen_digit_table(x_train, y_train, x, y, max_iter=300))
    label = f"mean of all {len(table.unseen)} (pair, newcomer)"
    print(f"{name:<16}{label:<34}{table.nb_auc.mean():>12.3f}{table.lr_auc.mean():>16.3f}")
    print(f"{'':<16}{'  NB higher in':<34}{np.mean(table.nb_auc > table.lr_auc):>12.0%}   ({seconds:.1f} s)")
    digits, nb_by_digit, lr_by_digit = table.by_unseen_digit()
    print(f"{'':<16}{'  by newcomer digit, NB':<34}" + " ".join(f"{v:.2f}" for v in nb_by_digit))
    print(f"{'':<16}{'  by newcomer digit, LR':<34}" + " ".join(f"{v:.2f}" for v in lr_by_digit))
    results["test sets"][name]["unseen class AUC"] = {
        "seen 1 and 7, unseen 4": {"Naive Bayes": one.nb_auc, "logistic regression": one.lr_auc},
        "mean over every pair and newcomer": {
            "Naive Bayes": table.nb_auc.mean(),
            "logistic regression": table.lr_auc.mean(),
        },
        "cases": len(table.unseen),
        "share where Naive Bayes is higher": float(np.mean(table.nb_auc > table.lr_auc)),
    }
save_results("nb_vs_lr", results, data=data.describe())
