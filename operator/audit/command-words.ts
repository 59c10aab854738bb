// `--command "CMD ..."` split into a program and its arguments the way a POSIX shell splits words
// (quotes, backslashes), without a shell: no expansion, no pipes, no redirections. Shell
// operators outside quotes are refused rather than passed on as arguments nobody meant.

export type CommandWords = { ok: true; words: string[] } | { ok: false; code: "AUDIT_COMMAND_INVALID"; message: string };

const OPERATORS = new Set(["|", "&", ";", "<", ">", "(", ")", "`", "$"]);
/** Inside double quotes a backslash escapes only these (POSIX). */
const DOUBLE_QUOTE_ESCAPABLE = new Set(["$", "`", '"', "\\", "\n"]);

export function commandWords(line: string): CommandWords {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const fail = (message: string): CommandWords => ({ ok: false, code: "AUDIT_COMMAND_INVALID", message });
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return fail("--command has an unterminated single quote. Close it, e.g. --command \"node 'my server.mjs'\".");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return fail('--command has an unterminated double quote. Close it, e.g. --command \'node "my server.mjs"\'.');
        const d = line[i]!;
        if (d === '"') break;
        if (d === "\\" && DOUBLE_QUOTE_ESCAPABLE.has(line[i + 1] ?? "")) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= line.length) return fail("--command ends with a lone backslash. Remove it or escape the next character.");
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (OPERATORS.has(c)) {
      return fail(`--command runs one program without a shell, so ${JSON.stringify(c)} would not do what it does in a shell. Quote it if it is part of an argument, or wrap the pipeline in a script and name the script.`);
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) return fail('--command is empty. Give the command that starts the server over stdio, e.g. --command "node server.mjs serve --transport stdio".');
  return { ok: true, words };
}
