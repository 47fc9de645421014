// Types for the ml.js packages that ship none: only what the training functions use.

declare module 'ml-knn' {
  export default class KNN {
    constructor(dataset: number[][], labels: number[], options?: { k?: number });
    predict(dataset: number[][]): number[];
    toJSON(): object;
  }
}

declare module 'ml-naivebayes' {
  export class GaussianNB {
    train(trainingSet: number[][], trainingLabels: number[]): void;
    predict(dataset: number[][]): number[];
    toJSON(): object;
  }
}

declare module 'ml-cart' {
  export class DecisionTreeClassifier {
    constructor(options?: { gainFunction?: 'gini'; maxDepth?: number; minNumSamples?: number; gainThreshold?: number });
    train(trainingSet: number[][], trainingLabels: number[]): void;
    predict(dataset: number[][]): number[];
    toJSON(): object;
  }
}

declare module 'ml-logistic-regression' {
  /** ml-matrix's Matrix, as far as it is used here (the library takes and returns nothing else). */
  export interface MatrixLike {
    readonly rows: number;
    readonly columns: number;
    to1DArray(): number[];
  }
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    train(X: MatrixLike, Y: MatrixLike): void;
    predict(X: MatrixLike): number[];
    toJSON(): object;
  }
}
