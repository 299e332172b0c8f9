// The classical reference of bench/evolve: Sollya's fpminimax, the best degree-6 polynomial
// with single-precision coefficients under relative error on [0, 1], for e^x and 2^x.
// Reproduce the coefficients recorded in bench/evolve.d/classical.c with: sollya < classical.sol
prec = 200!;
display = hexadecimal!;
for target in [| exp(x), 2^x |] do {
    p = fpminimax(target, 6, [| single... |], [0; 1], floating, relative);
    for k from 0 to 6 do print(coeff(p, k));
};
