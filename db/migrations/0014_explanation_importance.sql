CREATE TABLE "explanation_importance" (
	"model" text NOT NULL,
	"model_version" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"feature" text NOT NULL,
	"sum_abs" double precision NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "explanation_importance_model_model_version_day_feature_pk" PRIMARY KEY("model","model_version","day","feature")
);
