"""Baseline (a): a bare FastAPI POST endpoint with a Pydantic body, nothing else."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, EmailStr, Field

app = FastAPI()


class Question(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    email: EmailStr


class Answer(BaseModel):
    answer: str
    email: str


@app.post("/echo")
async def echo(question: Question) -> Answer:
    return Answer(answer=question.query, email=str(question.email))


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
