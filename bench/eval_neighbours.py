"""Evaluation of an alternative planner: nearest example utterances, against the rule planner, on dev only.

A classifier trained at start-up on example utterances: every read tool's declared `examples`, plus
(with `--train`) the dev questions of another part of dev, each a single-tool question (or a no-tool
question, labelled "ask back"). A question is turned into TF-IDF weights over word stems, word pairs and
character trigrams (typos), and labelled by its `--k` nearest utterances (cosine, votes weighted by
similarity). Measured on the dev questions of `--tag`, never on the test split:

- the classifier alone (top label right: the single expected tool, or "ask back" for a no-tool question);
- the rule planner alone (exact tool-set match, as `bench/eval_planner.py` scores it);
- the rule planner, with the classifier's tool wherever the rules ask back and its best neighbour is at
  least as similar as each threshold: what the classifier adds as a fallback, and the no-tool questions
  it then answers wrongly.

Usage: uv run --frozen python bench/eval_neighbours.py [--tag dev3] [--train '!dev3'] [--k 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eval_catalog import build_catalog
from eval_planner import CALLER, QUERIES, load

from orchestrator.planning import lexicon
from orchestrator.planning.rules import RulePlanner

ASK_BACK = "(ask back)"
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)


def features(text: str) -> dict[str, float]:
    """Word stems, word pairs and character trigrams of the content words."""
    plain = [w for w in lexicon.words(text) if w not in lexicon.STOPWORDS]
    found: defaultdict[str, float] = defaultdict(float)
    for word in plain:
        found[f"w:{lexicon.stem(word)}"] += 1.0
        padded = f"#{word}#"
        for i in range(len(padded) - 2):
            found[f"c:{padded[i : i + 3]}"] += 0.3
    for left, right in itertools.pairwise(plain):
        found[f"b:{lexicon.stem(left)}_{lexicon.stem(right)}"] += 0.5
    return found


@dataclass
class Neighbours:
    """TF-IDF vectors of labelled utterances; a question's label by weighted vote of the nearest."""

    labels: list[str]
    vectors: list[dict[str, float]]
    idf: dict[str, float]
    unseen_idf: float
    k: int

    @classmethod
    def train(cls, utterances: Sequence[tuple[str, str]], k: int) -> Neighbours:
        counted = [features(text) for text, _ in utterances]
        df = Counter(name for vector in counted for name in vector)
        n = len(counted)
        idf = {name: math.log((n + 1) / (count + 1)) + 1 for name, count in df.items()}
        model = cls([label for _, label in utterances], [], idf, math.log(n + 1) + 1, k)
        model.vectors = [model.weigh(vector) for vector in counted]
        return model

    def weigh(self, counted: Mapping[str, float]) -> dict[str, float]:
        weighted = {name: f * self.idf.get(name, self.unseen_idf) for name, f in counted.items()}
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {name: w / norm for name, w in weighted.items()}

    def label(self, text: str) -> tuple[str, float]:
        """The winning label and the similarity of the nearest utterance."""
        query = self.weigh(features(text))
        similar = sorted(
            ((sum(w * vector.get(name, 0.0) for name, w in query.items()), label)
             for vector, label in zip(self.vectors, self.labels, strict=True)),
            reverse=True,
        )[: self.k]  # fmt: skip
        votes: defaultdict[str, float] = defaultdict(float)
        for similarity, label in similar:
            votes[label] += similarity
        return max(votes, key=votes.__getitem__), similar[0][0]


async def run(tag: str, train: str | None, k: int) -> None:
    catalog = await build_catalog()
    tools = catalog.readable_by(CALLER)
    utterances = [(example, tool.name) for tool in tools for example in tool.info.examples]
    declared = len(utterances)
    for entry in load(QUERIES, "dev", train) if train else []:
        if len(entry["tools"]) == 1:
            utterances.append((entry["question"], entry["tools"][0]))
        elif not entry["tools"]:
            utterances.append((entry["question"], ASK_BACK))
    model = Neighbours.train(utterances, k)
    questions = load(QUERIES, "dev", tag)
    print(f"trained on {declared} declared examples + {len(utterances) - declared} dev questions ({train or 'none'});")
    print(f"measured on {len(questions)} dev questions ({tag})\n")
    rules_exact = neighbour_right = 0
    fallback: dict[float, Counter[str]] = {t: Counter() for t in THRESHOLDS}
    for entry in questions:
        expected = sorted(entry["tools"])
        plan = await RulePlanner().plan(entry["question"], CALLER, catalog)
        planned = sorted({step.tool for step in plan.steps})
        label, nearest = model.label(entry["question"])
        rules_exact += planned == expected
        neighbour_tools = [] if label == ASK_BACK else [label]
        neighbour_right += neighbour_tools == expected
        for threshold, counts in fallback.items():
            chosen = planned
            if not planned and neighbour_tools and nearest >= threshold:
                chosen = neighbour_tools
                counts["used"] += 1
                counts["right"] += chosen == expected
                counts["on no-tool questions"] += not expected
            counts["exact"] += chosen == expected
    n = len(questions)
    print(f"{100 * neighbour_right / n:5.1f}%  nearest utterances alone (top label right)")
    print(f"{100 * rules_exact / n:5.1f}%  rule planner alone (exact tool-set match)")
    for threshold, counts in fallback.items():
        print(
            f"{100 * counts['exact'] / n:5.1f}%  rule planner, nearest utterances where it asks back (similarity >= "
            f"{threshold}): used {counts['used']}, right {counts['right']}, on no-tool questions "
            f"{counts['on no-tool questions']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", default="dev3", help="the dev questions measured (a tag, or '!TAG')")
    parser.add_argument("--train", default="!dev3", help="dev questions added to the examples ('' for none)")
    parser.add_argument("--k", type=int, default=3, help="neighbours voting")
    args = parser.parse_args()
    asyncio.run(run(args.tag, args.train or None, args.k))


if __name__ == "__main__":
    main()
