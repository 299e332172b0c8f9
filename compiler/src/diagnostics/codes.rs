//! The catalogue of diagnostic codes. Codes are stable: tools and tests match on them. Every
//! code here is documented, with an example, in `spec/diagnostics.md` (a test keeps the two
//! in step).

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code, e.g. `E0100`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// A short description of the kind of problem.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }
        }
    };
}

codes! {
    // Reading files and syntax.
    UnexpectedChar = "E0001", Error, "unexpected character";
    UnexpectedToken = "E0002", Error, "unexpected token";
    UnexpectedEof = "E0003", Error, "unexpected end of file";
    UnterminatedString = "E0004", Error, "unterminated string";
    UnterminatedComment = "E0005", Error, "unterminated block comment";
    BadNumber = "E0006", Error, "number out of range";
    FileNotFound = "E0007", Error, "cannot read file";
    NestedTooDeeply = "E0008", Error, "expression nested too deeply";

    // Names.
    UndefinedName = "E0100", Error, "undefined name";
    DuplicateDefinition = "E0101", Error, "duplicate definition";
    UnknownFunction = "E0102", Error, "unknown function";
    WrongArity = "E0103", Error, "wrong number of arguments";
    RecursiveFunction = "E0104", Error, "recursive function";
    UnknownModule = "E0105", Error, "unknown module";
    UnknownModel = "E0106", Error, "unknown model";
    ReservedName = "E0107", Error, "reserved name";
    NamedArgInMath = "E0108", Error, "named argument in a mathematical expression";
    AmbiguousName = "E0109", Error, "name imported from two modules";
    UnknownQualifiedName = "E0110", Error, "unknown qualified name";

    // The model's structure and meaning.
    DerivativeOfConstant = "E0200", Error, "derivative of something that does not vary";
    DerivativeWrtNonInput = "E0201", Error, "derivative with respect to a variable the field does not depend on";
    DerivativeWrtNonVariable = "E0202", Error, "derivative with respect to something that is not a variable";
    BadInterval = "E0203", Error, "invalid interval";
    NotConstant = "E0204", Error, "value must be constant";
    LocationOutsideDomain = "E0205", Error, "condition location is not on the domain boundary";
    LocationNotVariable = "E0206", Error, "condition location is not a space or time variable";
    BadInitialCondition = "E0207", Error, "invalid initial condition";
    BadFieldInputs = "E0208", Error, "invalid field inputs";
    ShapeMismatch = "E0209", Error, "vector and scalar mixed";
    UnknownComponent = "E0210", Error, "unknown component";
    BadOde = "E0211", Error, "invalid ode";
    NoUnknown = "E0212", Error, "equation involves no field";
    StringInMath = "E0213", Error, "string in a mathematical expression";
    BadConstraint = "E0214", Error, "invalid hard constraint";
    BadPeriodic = "E0215", Error, "invalid periodic condition";
    TooManyDimensions = "E0216", Error, "too many space dimensions";
    MissingDomain = "E0217", Error, "model without a domain";
    NonFiniteConstant = "E0218", Error, "constant is not finite";
    BadData = "E0219", Error, "invalid data declaration";
    BadShape = "E0220", Error, "unknown field shape";
    ExpressionTooLarge = "E0221", Error, "expression too large after inlining";
    FieldEvaluatedElsewhere = "E0222", Error, "field evaluated away from the current point";
    DomainDimension = "E0223", Error, "shape of the wrong dimension";
    DegenerateShape = "E0224", Error, "degenerate shape";
    UnknownPart = "E0225", Error, "unknown boundary part";
    BadDomain = "E0226", Error, "invalid domain";
    NormalOutsideBoundary = "E0227", Error, "normal used where there is none";
    NoDistance = "E0228", Error, "no distance function for this boundary";
    BadMesh = "E0229", Error, "unusable STL mesh";
    BadIntegral = "E0230", Error, "integral that cannot be taken";

    // Physical units.
    UnknownUnit = "E0300", Error, "unknown unit";
    DimensionMismatch = "E0301", Error, "dimensions do not agree";
    DimensionedFunctionArgument = "E0302", Error, "function of a dimensioned quantity";
    DimensionedExponent = "E0303", Error, "exponent of a dimensioned quantity is not a constant";

    // Job blocks.
    UnknownSetting = "E0400", Error, "unknown setting";
    BadSettingValue = "E0401", Error, "invalid setting value";
    UnknownOption = "E0402", Error, "unknown option";
    MissingSetting = "E0403", Error, "missing setting";
    SettingOutOfRange = "E0404", Error, "setting out of range";
    JobNotApplicable = "E0405", Error, "job does not apply to this model";
    DuplicateSetting = "E0406", Error, "setting given twice";
    UnknownChoice = "E0407", Error, "unknown choice";
    NotImplemented = "E0408", Error, "not implemented yet";
    NoJob = "E0409", Error, "nothing to run";
    UnknownLibraryColumn = "E0410", Error, "library term names a column the data does not have";
    BadSettingExpression = "E0411", Error, "expression not allowed in a setting";
    OpsCannotBuild = "E0412", Error, "operations cannot build a program";
    SharedOutputFolder = "E0413", Error, "two jobs write one folder";
    FieldNetworks = "E0414", Error, "networks do not give every field once";
    UnknownLayer = "E0415", Error, "unknown layer in a network definition";
    LayersDoNotChain = "E0416", Error, "layers of a network definition do not fit together";

    // Running jobs.
    JobFailed = "E0500", Error, "job failed";
    NotSupported = "E0501", Error, "job not supported for this model";
    OutputFailed = "E0502", Error, "results could not be written";

    // Warnings.
    NoInitialCondition = "W0001", Warning, "time-dependent equation without an initial condition";
    Unused = "W0002", Warning, "unused definition";
    NoBoundaryCondition = "W0003", Warning, "spatial equation without boundary conditions";
    ShadowsBuiltin = "W0004", Warning, "definition shadows a built-in";
    DataFileMissing = "W0005", Warning, "data file not found";
    UnpinnedField = "W0006", Warning, "field learned from the equations alone, without data";
}

impl Code {
    /// Codes raised by `physc run` itself rather than by checking a file.
    pub const RUN_ONLY: &'static [Code] = &[
        Code::NotImplemented,
        Code::NoJob,
        Code::JobFailed,
        Code::NotSupported,
        Code::OutputFailed,
    ];
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            let prefix = if code.severity() == Severity::Error {
                'E'
            } else {
                'W'
            };
            assert!(text.starts_with(prefix) && text.len() == 5, "{text}");
        }
    }
}
