; Highlighting for .phys files (tree-sitter-phys), the same classes as the VS Code grammar.

[
  "model" "network" "use" "as" "train" "simulate" "discover" "evolve" "then"
] @keyword

[
  "space" "time" "const" "param" "field" "let" "fn" "domain" "part" "integral"
] @keyword.storage

[
  "pde" "ode" "initial" "boundary" "constraint" "data" "periodic"
] @keyword.directive

[ "at" "on" "in" "from" ] @keyword.operator

(line_comment) @comment
(block_comment) @comment
(string) @string
(number) @number

(model name: (identifier) @type)
(job target: (identifier) @type)
(network name: (identifier) @function)
(function name: (identifier) @function)
(call function: (identifier) @function.call)
(qualified_call function: (identifier) @function.call)
(layer kind: (identifier) @function.call)
(constant name: (identifier) @constant)
(variable name: (identifier) @variable.parameter)
(parameter name: (identifier) @variable.parameter)
(field_declaration name: (identifier) @variable)
(definition name: (identifier) @variable)
(setting key: (identifier) @property)
(named_argument name: (identifier) @property)
(use alias: (identifier) @namespace)
(dotted_name (identifier) @namespace)
(member member: (identifier) @property)

((identifier) @constant.builtin
  (#match? @constant.builtin "^(pi|π|e)$"))

[ "+" "-" "−" "*" "/" "·" "^" "²" "³" "=" "~" ] @operator
[ "(" ")" "[" "]" "{" "}" ] @punctuation.bracket
[ "," ":" ";" "." ] @punctuation.delimiter
