import IOKernel
