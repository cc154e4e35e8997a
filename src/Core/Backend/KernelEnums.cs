namespace KerasNet.Backend;

/// <summary>Elementwise unary kernels. <c>alpha</c> is the kernel's scalar parameter where one is named.</summary>
public enum UnaryOp
{
    /// <summary>y = -x</summary>
    Negate,
    /// <summary>y = |x|</summary>
    Abs,
    /// <summary>y = sign(x) (0 at 0)</summary>
    Sign,
    /// <summary>y = x*x</summary>
    Square,
    /// <summary>y = sqrt(x)</summary>
    Sqrt,
    /// <summary>y = 1/sqrt(x)</summary>
    Rsqrt,
    /// <summary>y = 1/x</summary>
    Reciprocal,
    /// <summary>y = e^x</summary>
    Exp,
    /// <summary>y = ln x</summary>
    Log,
    /// <summary>y = ln(1+x)</summary>
    Log1p,
    /// <summary>y = e^x - 1</summary>
    Expm1,
    /// <summary>y = sin x</summary>
    Sin,
    /// <summary>y = cos x</summary>
    Cos,
    /// <summary>y = tanh x</summary>
    Tanh,
    /// <summary>y = 1/(1+e^-x)</summary>
    Sigmoid,
    /// <summary>y = max(x, 0)</summary>
    Relu,
    /// <summary>y = x if x &gt; 0 else alpha*x</summary>
    LeakyRelu,
    /// <summary>y = x if x &gt; 0 else alpha*(e^x - 1)</summary>
    Elu,
    /// <summary>y = ln(1+e^x), computed without overflow</summary>
    Softplus,
    /// <summary>y = erf(x)</summary>
    Erf,
    /// <summary>y = floor(x)</summary>
    Floor,
    /// <summary>y = ceil(x)</summary>
    Ceil,
    /// <summary>y = round half to even (numpy's round)</summary>
    Round,
    /// <summary>y = x^alpha</summary>
    PowScalar,
    /// <summary>y = 1 if x &gt; 0 else 0 (the derivative of relu)</summary>
    Step,
    /// <summary>y = !x for Bool</summary>
    LogicalNot,
}

/// <summary>Elementwise binary kernels with broadcasting.</summary>
public enum BinaryOp
{
    /// <summary>a + b</summary>
    Add,
    /// <summary>a - b</summary>
    Subtract,
    /// <summary>a * b</summary>
    Multiply,
    /// <summary>a / b (integer types: floor division as in numpy's //)</summary>
    Divide,
    /// <summary>a ^ b</summary>
    Power,
    /// <summary>max(a, b)</summary>
    Maximum,
    /// <summary>min(a, b)</summary>
    Minimum,
    /// <summary>(a - b)^2</summary>
    SquaredDifference,
    /// <summary>atan2(a, b)</summary>
    Atan2,
    /// <summary>a mod b, sign of b (Python's %)</summary>
    Mod,
    /// <summary>logical and (Bool)</summary>
    LogicalAnd,
    /// <summary>logical or (Bool)</summary>
    LogicalOr,
    /// <summary>Gradient through ReLU from its output: a (the incoming gradient) where b (relu's output or
    /// input) &gt; 0, else 0.</summary>
    ReluBackward,
    /// <summary>Gradient through the sigmoid from its output s = b: a·s·(1 − s).</summary>
    SigmoidBackward,
    /// <summary>Gradient through tanh from its output t = b: a·(1 − t²).</summary>
    TanhBackward,
}

/// <summary>Elementwise comparisons; the result is Bool.</summary>
public enum CompareOp
{
    /// <summary>a == b</summary>
    Equal,
    /// <summary>a != b</summary>
    NotEqual,
    /// <summary>a &lt; b</summary>
    Less,
    /// <summary>a &lt;= b</summary>
    LessEqual,
    /// <summary>a &gt; b</summary>
    Greater,
    /// <summary>a &gt;= b</summary>
    GreaterEqual,
}

/// <summary>Reductions over the middle axis of an (outer, reduce, inner) view.</summary>
public enum ReduceOp
{
    /// <summary>Sum.</summary>
    Sum,
    /// <summary>Arithmetic mean.</summary>
    Mean,
    /// <summary>Maximum.</summary>
    Max,
    /// <summary>Minimum.</summary>
    Min,
    /// <summary>Product.</summary>
    Prod,
}

/// <summary>Distributions of the counter-based random kernel.</summary>
public enum RandomDistribution
{
    /// <summary>Uniform on [a, b).</summary>
    Uniform,
    /// <summary>Normal with mean a and standard deviation b.</summary>
    Normal,
    /// <summary>1 with probability a, else 0.</summary>
    Bernoulli,
    /// <summary>Normal with mean a and standard deviation b, redrawn outside two standard deviations.</summary>
    TruncatedNormal,
}

/// <summary>Pooling kinds.</summary>
public enum PoolKind
{
    /// <summary>Maximum over the window (padding never wins).</summary>
    Max,
    /// <summary>Average over the window's in-bounds elements (padding excluded, as Keras does).</summary>
    Average,
}

/// <summary>An activation applied in the epilogue of a fused <see cref="IBackend.MatMul(in MatMulParams, DeviceBuffer, long, DeviceBuffer, long, DeviceBuffer, long, DeviceBuffer?, FusedActivation)"/>
/// or <see cref="IBackend.Conv2D(in ConvParams, DeviceBuffer, DeviceBuffer, DeviceBuffer, DeviceBuffer?, FusedActivation)"/>,
/// after the bias is added.</summary>
public enum FusedActivation
{
    /// <summary>No activation.</summary>
    None,
    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>The update rule of a fused per-tensor optimizer step (<see cref="IBackend.OptimizerUpdate"/>).</summary>
public enum OptimizerUpdateKind
{
    /// <summary>Keras SGD. Without momentum <c>w −= lr·g</c>. With momentum (slot 0 is the velocity m):
    /// <c>m = momentum·m − lr·g</c>, then <c>w += m</c>, or with Nesterov <c>w += momentum·m − lr·g</c>.</summary>
    Sgd,
    /// <summary>Keras Adam (slot 0 m, slot 1 v, slot 2 v̂ with AMSGrad): <c>m += (g − m)(1 − β₁)</c>,
    /// <c>v += (g² − v)(1 − β₂)</c>, with AMSGrad <c>v̂ = max(v̂, v)</c> and v̂ used below,
    /// <c>w −= lr·scale·m / (√v + ε)</c>, where scale carries the bias correction √(1 − β₂ᵗ)/(1 − β₁ᵗ).</summary>
    Adam,
}
