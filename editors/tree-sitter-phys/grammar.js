/**
 * Tree-sitter grammar for physc's .phys files: the same language as the compiler's own
 * grammar (compiler/src/syntax/grammar.lalrpop, spec/language.md §3–§5), for highlighting
 * and structure in editors (Neovim, Helix, Zed). The compiler remains the judge of what is
 * valid: this grammar accepts what it parses and recovers from errors the tree-sitter way.
 * `tree-sitter generate` turns it into src/parser.c (committed); tests/editors.rs parses
 * every example with it.
 */

const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));
const commaSep = (rule) => optional(commaSep1(rule));
const separators = repeat(';');

const PREC = { sum: 1, product: 2, unary: 3, power: 4, postfix: 5 };

module.exports = grammar({
  name: 'phys',

  extras: ($) => [/\s/, $.line_comment, $.block_comment],

  word: ($) => $.identifier,

  rules: {
    source_file: ($) => seq(separators, repeat(seq($._item, separators))),

    _item: ($) => choice($.use, $.const, $.function, $.model, $.job, $.network),

    use: ($) =>
      seq(
        'use',
        field('target', choice($.dotted_name, seq($.string, optional(seq('.', $.identifier))))),
        optional(seq('as', field('alias', $.identifier))),
      ),

    dotted_name: ($) => seq($.identifier, repeat(seq('.', $.identifier))),

    const: ($) => seq('const', commaSep1($.constant)),

    constant: ($) => seq(field('name', $.identifier), '=', $._expression, optional($.units)),

    units: ($) => seq('[', $._expression, ']'),

    function: ($) =>
      seq(
        'fn',
        field('name', $.identifier),
        '(',
        commaSep($.identifier),
        ')',
        '=',
        field('body', $._expression),
      ),

    network: ($) =>
      seq(
        'network',
        field('name', $.identifier),
        '(',
        commaSep($.network_parameter),
        ')',
        $.layers,
      ),

    network_parameter: ($) => seq(field('name', $.identifier), ':', $._expression),

    layers: ($) => seq('{', separators, repeat(seq($.layer, separators)), '}'),

    layer: ($) =>
      choice(
        seq(field('kind', $.identifier), '(', commaSep($._argument), ')'),
        seq(field('kind', $.identifier), optional(field('count', choice($.number, $.identifier))), $.layers),
      ),

    model: ($) =>
      seq('model', field('name', $.identifier), '{', separators, repeat(seq($._member, separators)), '}'),

    _member: ($) =>
      choice(
        $.space,
        $.time,
        $.const,
        $.param,
        $.field,
        $.let,
        $.function,
        $.equation,
        $.periodic,
        $.domain,
        $.part,
        $.integral,
        $.data,
      ),

    space: ($) => seq('space', commaSep1($.variable)),
    time: ($) => seq('time', $.variable),
    variable: ($) => seq(field('name', $.identifier), 'in', $._expression, optional($.units)),

    param: ($) => seq('param', commaSep1($.parameter)),
    parameter: ($) =>
      seq(
        field('name', $.identifier),
        '~',
        $._expression,
        optional($.units),
        optional(seq('in', $._expression)),
      ),

    field: ($) => seq('field', commaSep1($.field_declaration)),
    field_declaration: ($) =>
      seq(
        field('name', $.identifier),
        '(',
        commaSep($.identifier),
        ')',
        optional(seq(':', $.identifier)),
        optional($.units),
      ),

    let: ($) => seq('let', commaSep1($.definition)),
    definition: ($) => seq(field('name', $.identifier), '=', $._expression),

    equation: ($) =>
      seq(
        field('kind', choice('pde', 'ode', 'initial', 'boundary', 'constraint')),
        commaSep1($.equality),
        optional($.location),
      ),
    equality: ($) => seq($._expression, '=', $._expression),

    location: ($) =>
      choice(
        seq('at', $.identifier, '=', $._expression),
        seq('on', 'boundary'),
        seq('on', $.identifier),
      ),

    periodic: ($) => seq('boundary', 'periodic', commaSep($.identifier), 'in', $.identifier),
    domain: ($) => seq('domain', '=', $._expression),
    part: ($) => seq('part', commaSep1($.definition)),
    integral: ($) => seq('integral', commaSep1($.definition), optional($.location)),
    data: ($) => seq('data', commaSep1($.identifier), 'from', $.string),

    job: ($) =>
      seq(
        field('kind', choice('train', 'simulate', 'discover', 'evolve')),
        field('target', $.identifier),
        '{',
        separators,
        repeat(seq($.setting, separators)),
        '}',
      ),

    setting: ($) =>
      seq(field('key', $._name), $._stage, repeat(seq('then', $._stage))),

    _stage: ($) => choice($._expression, $.record),
    record: ($) => commaSep1($.named_argument),

    named_argument: ($) => seq(field('name', $._name), ':', $._expression),
    _argument: ($) => choice($._expression, $.named_argument),

    // Setting keys and option names may be keywords (`data "x.csv"`, `weights initial: 10`).
    _name: ($) =>
      choice(
        $.identifier,
        alias(
          choice(
            'model', 'space', 'time', 'const', 'param', 'field', 'let', 'fn', 'pde', 'ode',
            'initial', 'boundary', 'constraint', 'data', 'at', 'on', 'in', 'from', 'use',
            'train', 'simulate', 'discover', 'evolve', 'periodic', 'domain', 'part',
            'integral', 'network', 'as',
          ),
          $.identifier,
        ),
      ),

    _expression: ($) =>
      choice(
        $.binary,
        $.unary,
        $.power,
        $.member,
        $.qualified_call,
        $.call,
        $.number,
        $.string,
        $.identifier,
        $.list,
        $.parenthesized,
      ),

    binary: ($) =>
      choice(
        prec.left(PREC.sum, seq($._expression, field('operator', choice('+', '-', '−')), $._expression)),
        prec.left(PREC.product, seq($._expression, field('operator', choice('*', '/', '·')), $._expression)),
      ),

    unary: ($) => prec(PREC.unary, seq(choice('-', '−'), $._expression)),

    power: ($) =>
      choice(
        prec.right(PREC.power, seq($._expression, '^', $._expression)),
        prec(PREC.power, seq($._expression, choice('²', '³'))),
      ),

    member: ($) => prec(PREC.postfix, seq($._expression, '.', field('member', $.identifier))),

    qualified_call: ($) =>
      prec(
        PREC.postfix,
        seq($._expression, '.', field('function', $.identifier), '(', commaSep($._argument), ')'),
      ),

    call: ($) =>
      prec(
        PREC.postfix,
        seq(
          field('function', $.identifier),
          '(',
          choice(commaSep($._argument), alias('boundary', $.identifier)),
          ')',
        ),
      ),

    list: ($) => seq('[', commaSep($._expression), ']'),
    parenthesized: ($) => seq('(', $._expression, ')'),

    identifier: (_) => /[\p{L}_][\p{L}\p{Nd}_]*|∂\p{L}+|∇²|∇/,
    number: (_) => /[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/,
    string: (_) => /"([^"\\\n]|\\.)*"/,
    line_comment: (_) => token(seq('//', /[^\n]*/)),
    block_comment: (_) => token(seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/')),
  },
});
