"""Prints the token shape of Python files as JSON (for test/unit/generated-comments.test.ts):
token kinds with names and operators as they are, string and comment contents left out, each
file's comments, and whether ast.parse accepts it. Two files with the same shape run the same code."""

import ast
import io
import json
import sys
import tokenize

out = []
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    kinds, comments = [], []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            comments.append(tok.string)
        elif tok.type == tokenize.STRING:
            kinds.append("STRING")
        else:
            kinds.append(f"{tokenize.tok_name[tok.type]}:{tok.string}" if tok.type in (tokenize.NAME, tokenize.OP) else tokenize.tok_name[tok.type])
    try:
        ast.parse(text)
        parses = True
    except SyntaxError:
        parses = False
    out.append({"kinds": kinds, "comments": comments, "parses": parses, "strings": [ast.literal_eval(t.string) for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.STRING]})
print(json.dumps(out))
